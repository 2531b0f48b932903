"""PPSR Core 2020.0 controlled vocabularies as string enumerations, with PPSR's exact labels.

The labels are copied verbatim from the standard (``docs/project/vocabulary.md`` and ``docs/dataset.md`` of
citizen-science-association/ppsr-core at 2020.0), typos included (``"Asia - Central Asia 143)"``, en dashes in two
UN regions, ``"Western Sahara*"``): PPSR says its vocabularies "should not be modified or augmented", and a
partner who validates against PPSR must see the same strings. Only trailing spaces in the source tables are dropped.
Each member's value is the label, so the enums serialise to the label in JSON.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "VOCABULARIES",
    "AccessRights",
    "AccuracyLevel",
    "DataAccessMethod",
    "DataQualityAssuranceMethod",
    "DatasetLicense",
    "DatasetStatus",
    "DatasetUpdateFrequency",
    "DifficultyLevel",
    "FundingSourceTypeSubsetA",
    "FundingSourceTypeSubsetB",
    "HasTag",
    "MeansOfContact",
    "MethodType",
    "ProjectAssociatedPartyRole",
    "ProjectCountry",
    "ProjectMediaType",
    "ProjectParticipantAge",
    "ProjectScienceType",
    "ProjectStatus",
    "ProjectUsFederalSponsor",
    "SamplingProtocolMethodEcology",
    "ScientificProcessInvolved",
    "UnRegion",
    "license_iri",
]


class HasTag(StrEnum):
    """PPSR Core 2020.0 ``hasTag`` vocabulary (docs/project/vocabulary.md), labels verbatim."""

    FEES_APPLICABLE = "Fees applicable"
    SUITABLE_FOR_CHILDREN = "Suitable for children"
    TEACHING_MATERIALS_AVAILABLE = "Teaching materials available"
    DO_IT_YOURSELF = "Do-it-yourself"
    PARTICIPATE_FROM_HOME = "Participate from home"


class DifficultyLevel(StrEnum):
    """PPSR Core 2020.0 ``difficultyLevel`` vocabulary (docs/project/vocabulary.md), labels verbatim."""

    EASY = "Easy"
    MEDIUM = "Medium"
    HARD = "Hard"


class ProjectStatus(StrEnum):
    """PPSR Core 2020.0 ``projectStatus`` vocabulary (docs/project/vocabulary.md), labels verbatim."""

    NOT_YET_STARTED = "Not yet started"
    ACTIVE = "Active"
    PERIODICALLY_ACTIVE = "Periodically active"
    ON_HOLD = "On hold"
    COMPLETED = "Completed"
    ABANDONED = "Abandoned"


class ProjectScienceType(StrEnum):
    """PPSR Core 2020.0 ``projectScienceType`` vocabulary (docs/project/vocabulary.md), labels verbatim."""

    AGRICULTURAL_AND_VETERINARY_SCIENCES_AGRICULTURE_LAND_AND_FARM_MANAGEMENT = (
        "Agricultural And Veterinary Sciences - Agriculture, Land And Farm Management"
    )
    AGRICULTURAL_AND_VETERINARY_SCIENCES_ANIMAL_PRODUCTION = "Agricultural And Veterinary Sciences - Animal Production"
    AGRICULTURAL_AND_VETERINARY_SCIENCES_CROP_AND_PASTURE_PRODUCTION = (
        "Agricultural And Veterinary Sciences - Crop And Pasture Production"
    )
    AGRICULTURAL_AND_VETERINARY_SCIENCES_FISHERIES_SCIENCES = (
        "Agricultural And Veterinary Sciences - Fisheries Sciences"
    )
    AGRICULTURAL_AND_VETERINARY_SCIENCES_FORESTRY_SCIENCES = "Agricultural And Veterinary Sciences - Forestry Sciences"
    AGRICULTURAL_AND_VETERINARY_SCIENCES_HORTICULTURAL_PRODUCTION = (
        "Agricultural And Veterinary Sciences - Horticultural Production"
    )
    ART_THEORY_AND_CRITICISM = "Art Theory And Criticism"
    BIOLOGICAL_SCIENCES_BIODIVERSITY = "Biological Sciences - Biodiversity"
    BIOLOGICAL_SCIENCES_ECOLOGY = "Biological Sciences - Ecology"
    BIOLOGICAL_SCIENCES_EVOLUTIONARY_BIOLOGY = "Biological Sciences - Evolutionary Biology"
    BIOLOGICAL_SCIENCES_GENETICS = "Biological Sciences - Genetics"
    BIOLOGICAL_SCIENCES_MICROBIOLOGY = "Biological Sciences - Microbiology"
    BIOLOGICAL_SCIENCES_OTHER_BIOLOGICAL_SCIENCES = "Biological Sciences - Other Biological Sciences"
    BIOLOGICAL_SCIENCES_PHYSIOLOGY = "Biological Sciences - Physiology"
    BIOLOGICAL_SCIENCES_PLANT_BIOLOGY = "Biological Sciences - Plant Biology"
    BIOLOGICAL_SCIENCES_ZOOLOGY = "Biological Sciences - Zoology"
    CHEMICAL_SCIENCES_ANALYTICAL_CHEMISTRY = "Chemical Sciences - Analytical Chemistry"
    CHEMICAL_SCIENCES_INORGANIC_CHEMISTRY = "Chemical Sciences - Inorganic Chemistry"
    CHEMICAL_SCIENCES_MACROMOLECULAR_AND_MATERIALS_CHEMISTRY = (
        "Chemical Sciences - Macromolecular And Materials Chemistry"
    )
    CHEMICAL_SCIENCES_MEDICINAL_AND_BIOMOLECULAR_CHEMISTRY = "Chemical Sciences - Medicinal And Biomolecular Chemistry"
    CHEMICAL_SCIENCES_ORGANIC_CHEMISTRY = "Chemical Sciences - Organic Chemistry"
    CHEMICAL_SCIENCES_PHYSICAL_CHEMISTRY = "Chemical Sciences - Physical Chemistry"
    CHEMICAL_SCIENCES_THEORETICAL_AND_COMPUTATIONAL_CHEMISTRY = (
        "Chemical Sciences - Theoretical And Computational Chemistry"
    )
    EARTH_SCIENCES_ATMOSPHERIC_SCIENCES = "Earth Sciences - Atmospheric Sciences"
    EARTH_SCIENCES_GEOCHEMISTRY = "Earth Sciences - Geochemistry"
    EARTH_SCIENCES_GEOLOGY = "Earth Sciences - Geology"
    EARTH_SCIENCES_GEOPHYSICS = "Earth Sciences - Geophysics"
    EARTH_SCIENCES_HYDROLOGICAL_SCIENCES = "Earth Sciences - Hydrological Sciences"
    EARTH_SCIENCES_OCEANOGRAPHY = "Earth Sciences - Oceanography"
    EARTH_SCIENCES_PHYSICAL_GEOGRAPHY_AND_ENVIRONMENTAL_GEOSCIENCE = (
        "Earth Sciences - Physical Geography And Environmental Geoscience"
    )
    ENGINEERING_AEROSPACE_ENGINEERING = "Engineering - Aerospace Engineering"
    ENGINEERING_AUTOMOTIVE_ENGINEERING = "Engineering - Automotive Engineering"
    ENGINEERING_BIOMEDICAL_ENGINEERING = "Engineering - Biomedical Engineering"
    ENGINEERING_CHEMICAL_ENGINEERING = "Engineering - Chemical Engineering"
    ENGINEERING_CIVIL_ENGINEERING = "Engineering - Civil Engineering"
    ENGINEERING_ELECTRICAL_AND_ELECTRONIC_ENGINEERING = "Engineering - Electrical And Electronic Engineering"
    ENGINEERING_ENVIRONMENTAL_ENGINEERING = "Engineering - Environmental Engineering"
    ENGINEERING_FOOD_SCIENCES = "Engineering - Food Sciences"
    ENGINEERING_MANUFACTURING_ENGINEERING = "Engineering - Manufacturing Engineering"
    ENGINEERING_MARITIME_ENGINEERING = "Engineering - Maritime Engineering"
    ENGINEERING_MATERIALS_ENGINEERING = "Engineering - Materials Engineering"
    ENGINEERING_MECHANICAL_ENGINEERING = "Engineering - Mechanical Engineering"
    ENGINEERING_OTHER_ENGINEERING = "Engineering - Other Engineering"
    ENGINEERING_RESOURCES_ENGINEERING_AND_EXTRACTIVE_METALLURGY = (
        "Engineering - Resources Engineering And Extractive Metallurgy"
    )
    ENVIRONMENTAL_SCIENCES_ECOLOGICAL_APPLICATIONS = "Environmental Sciences - Ecological Applications"
    ENVIRONMENTAL_SCIENCES_ENVIRONMENTAL_SCIENCE_AND_MANAGEMENT = (
        "Environmental Sciences - Environmental Science And Management"
    )
    ENVIRONMENTAL_SCIENCES_SOIL_SCIENCES = "Environmental Sciences - Soil Sciences"
    INFORMATION_AND_COMPUTING_SCIENCES_ARTIFICIAL_INTELLIGENCE_AND_IMAGE_PROCESSING = (
        "Information And Computing Sciences - Artificial Intelligence And Image Processing"
    )
    INFORMATION_AND_COMPUTING_SCIENCES_COMPUTATION_THEORY_AND_MATHEMATICS = (
        "Information And Computing Sciences - Computation Theory And Mathematics"
    )
    INFORMATION_AND_COMPUTING_SCIENCES_COMPUTER_SOFTWARE = "Information And Computing Sciences - Computer Software"
    INFORMATION_AND_COMPUTING_SCIENCES_DISTRIBUTED_COMPUTING = (
        "Information And Computing Sciences - Distributed Computing"
    )
    INFORMATION_AND_COMPUTING_SCIENCES_INFORMATION_SYSTEMS = "Information And Computing Sciences - Information Systems"
    INFORMATION_AND_COMPUTING_SCIENCES_LIBRARY_AND_INFORMATION_STUDIES = (
        "Information And Computing Sciences - Library And Information Studies"
    )
    LANGUAGE_COMMUNICATION_AND_CULTURE_COMMUNICATION_AND_MEDIA_STUDIES = (
        "Language, Communication And Culture - Communication And Media Studies"
    )
    LANGUAGE_COMMUNICATION_AND_CULTURE_CULTURAL_STUDIES = "Language, Communication And Culture - Cultural Studies"
    LANGUAGE_COMMUNICATION_AND_CULTURE_LANGUAGE_STUDIES = "Language, Communication And Culture - Language Studies"
    LANGUAGE_COMMUNICATION_AND_CULTURE_LINGUISTICS = "Language, Communication And Culture - Linguistics"
    LANGUAGE_COMMUNICATION_AND_CULTURE_LITERARY_STUDIES = "Language, Communication And Culture - Literary Studies"
    LAW_AND_LEGAL_STUDIES = "Law And Legal Studies"
    MATHEMATICAL_SCIENCES_MATHEMATICAL_PHYSICS = "Mathematical Sciences - Mathematical Physics"
    MATHEMATICAL_SCIENCES_NUMERICAL_AND_COMPUTATIONAL_MATHEMATICS = (
        "Mathematical Sciences - Numerical And Computational Mathematics"
    )
    MATHEMATICAL_SCIENCES_OTHER_MATHEMATICAL_SCIENCES = "Mathematical Sciences - Other Mathematical Sciences"
    MEDICAL_AND_HEALTH_SCIENCES_CARDIORESPIRATORY_MEDICINE_AND_HAEMATOLOGY = (
        "Medical And Health Sciences - Cardiorespiratory Medicine And Haematology"
    )
    MEDICAL_AND_HEALTH_SCIENCES_CLINICAL_SCIENCES = "Medical And Health Sciences - Clinical Sciences"
    MEDICAL_AND_HEALTH_SCIENCES_COMPLEMENTARY_AND_ALTERNATIVE_MEDICINE = (
        "Medical And Health Sciences - Complementary And Alternative Medicine"
    )
    MEDICAL_AND_HEALTH_SCIENCES_DENTISTRY = "Medical And Health Sciences - Dentistry"
    MEDICAL_AND_HEALTH_SCIENCES_HUMAN_MOVEMENT_AND_SPORTS_SCIENCE = (
        "Medical And Health Sciences - Human Movement And Sports Science"
    )
    MEDICAL_AND_HEALTH_SCIENCES_IMMUNOLOGY = "Medical And Health Sciences - Immunology"
    MEDICAL_AND_HEALTH_SCIENCES_MEDICAL_BIOCHEMISTRY_AND_METABOLOMICS = (
        "Medical And Health Sciences - Medical Biochemistry And Metabolomics"
    )
    MEDICAL_AND_HEALTH_SCIENCES_MEDICAL_MICROBIOLOGY = "Medical And Health Sciences - Medical Microbiology"
    MEDICAL_AND_HEALTH_SCIENCES_MEDICAL_PHYSIOLOGY = "Medical And Health Sciences - Medical Physiology"
    MEDICAL_AND_HEALTH_SCIENCES_NEUROSCIENCES = "Medical And Health Sciences - Neurosciences"
    MEDICAL_AND_HEALTH_SCIENCES_NURSING = "Medical And Health Sciences - Nursing"
    MEDICAL_AND_HEALTH_SCIENCES_NUTRITION_AND_DIETETICS = "Medical And Health Sciences - Nutrition And Dietetics"
    MEDICAL_AND_HEALTH_SCIENCES_ONCOLOGY_AND_CARCINOGENESIS = (
        "Medical And Health Sciences - Oncology And Carcinogenesis"
    )
    MEDICAL_AND_HEALTH_SCIENCES_OPTOMETRY_AND_OPHTHALMOLOGY = (
        "Medical And Health Sciences - Optometry And Ophthalmology"
    )
    MEDICAL_AND_HEALTH_SCIENCES_PAEDIATRICS_AND_REPRODUCTIVE_MEDICINE = (
        "Medical And Health Sciences - Paediatrics And Reproductive Medicine"
    )
    MEDICAL_AND_HEALTH_SCIENCES_PHARMACOLOGY_AND_PHARMACEUTICAL_SCIENCES = (
        "Medical And Health Sciences - Pharmacology And Pharmaceutical Sciences"
    )
    MEDICAL_AND_HEALTH_SCIENCES_PUBLIC_HEALTH_AND_HEALTH_SERVICES = (
        "Medical And Health Sciences - Public Health And Health Services"
    )
    PHILOSOPHY_AND_RELIGIOUS_STUDIES_APPLIED_ETHICS = "Philosophy And Religious Studies - Applied Ethics"
    PHILOSOPHY_AND_RELIGIOUS_STUDIES_HISTORY_AND_PHILOSOPHY_OF_SPECIFIC_FIELDS = (
        "Philosophy And Religious Studies - History And Philosophy Of Specific Fields"
    )
    PHILOSOPHY_AND_RELIGIOUS_STUDIES_PHILOSOPHY = "Philosophy And Religious Studies - Philosophy"
    PHILOSOPHY_AND_RELIGIOUS_STUDIES_RELIGION_AND_RELIGIOUS_TRADITIONS = (
        "Philosophy And Religious Studies - Religion And Religious Traditions"
    )
    PHYSICAL_SCIENCES_ASTRONOMICAL_AND_SPACE_SCIENCES = "Physical Sciences - Astronomical And Space Sciences"
    PHYSICAL_SCIENCES_ATOMIC_MOLECULAR_NUCLEAR_PARTICLE_AND_PLASMA_PHYSICS = (
        "Physical Sciences - Atomic, Molecular, Nuclear, Particle And Plasma Physics"
    )
    PHYSICAL_SCIENCES_CLASSICAL_PHYSICS = "Physical Sciences - Classical Physics"
    PHYSICAL_SCIENCES_CONDENSED_MATTER_PHYSICS = "Physical Sciences - Condensed Matter Physics"
    PHYSICAL_SCIENCES_OPTICAL_PHYSICS = "Physical Sciences - Optical Physics"
    PHYSICAL_SCIENCES_OTHER_PHYSICAL_SCIENCES = "Physical Sciences - Other Physical Sciences"
    PHYSICAL_SCIENCES_QUANTUM_PHYSICS = "Physical Sciences - Quantum Physics"
    PSYCHOLOGY_AND_COGNITIVE_SCIENCES_COGNITIVE_SCIENCE = "Psychology And Cognitive Sciences - Cognitive Science"
    PSYCHOLOGY_AND_COGNITIVE_SCIENCES_PSYCHOLOGY = "Psychology And Cognitive Sciences - Psychology"
    STATISTICS = "Statistics"
    STUDIES_IN_HUMAN_SOCIETY_ANTHROPOLOGY = "Studies In Human Society - Anthropology"
    STUDIES_IN_HUMAN_SOCIETY_CRIMINOLOGY = "Studies In Human Society - Criminology"
    STUDIES_IN_HUMAN_SOCIETY_DEMOGRAPHY = "Studies In Human Society - Demography"
    STUDIES_IN_HUMAN_SOCIETY_HUMAN_GEOGRAPHY = "Studies In Human Society - Human Geography"
    STUDIES_IN_HUMAN_SOCIETY_OTHER_STUDIES_IN_HUMAN_SOCIETY = (
        "Studies In Human Society - Other Studies In Human Society"
    )
    STUDIES_IN_HUMAN_SOCIETY_POLICY_AND_ADMINISTRATION = "Studies In Human Society - Policy And Administration"
    STUDIES_IN_HUMAN_SOCIETY_POLITICAL_SCIENCE = "Studies In Human Society - Political Science"
    STUDIES_IN_HUMAN_SOCIETY_SOCIAL_WORK = "Studies In Human Society - Social Work"
    STUDIES_IN_HUMAN_SOCIETY_SOCIOLOGY = "Studies In Human Society - Sociology"
    TECHNOLOGY_AGRICULTURAL_BIOTECHNOLOGY = "Technology - Agricultural Biotechnology"
    TECHNOLOGY_COMMUNICATIONS_TECHNOLOGIES = "Technology - Communications Technologies"
    TECHNOLOGY_COMPUTER_HARDWARE = "Technology - Computer Hardware"
    TECHNOLOGY_ENVIRONMENTAL_BIOTECHNOLOGY = "Technology - Environmental Biotechnology"
    TECHNOLOGY_INDUSTRIAL_BIOTECHNOLOGY = "Technology - Industrial Biotechnology"
    TECHNOLOGY_MEDICAL_BIOTECHNOLOGY = "Technology - Medical Biotechnology"
    TECHNOLOGY_NANOTECHNOLOGY = "Technology - Nanotechnology"
    TECHNOLOGY_OTHER_TECHNOLOGY = "Technology - Other Technology"


class UnRegion(StrEnum):
    """PPSR Core 2020.0 ``unRegions`` vocabulary (docs/project/vocabulary.md), labels verbatim."""

    AFRICA_NORTHERN_AFRICA_015 = "Africa - Northern Africa (015)"
    AFRICA_SUB_SAHARAN_AFRICA_202 = "Africa - Sub-Saharan Africa (202)"
    AMERICAS_SOUTH_AMERICA_005 = "Americas \u2013 South America (005)"
    AMERICAS_NORTH_AMERICA_003 = "Americas \u2013 North America (003)"
    ASIA_CENTRAL_ASIA_143 = "Asia - Central Asia 143)"
    ASIA_EASTERN_ASIA_030 = "Asia - Eastern Asia (030)"
    ASIA_SOUTH_EASTERN_ASIA_035 = "Asia - South-eastern Asia (035)"
    ASIA_SOUTHERN_ASIA_034 = "Asia - Southern Asia (034)"
    ASIA_WESTERN_ASIA_145 = "Asia - Western Asia (145)"
    EUROPE_EASTERN_EUROPE_151 = "Europe - Eastern Europe (151)"
    EUROPE_NORTHERN_EUROPE_154 = "Europe - Northern Europe (154)"
    EUROPE_SOUTHERN_EUROPE_039 = "Europe - Southern Europe (039)"
    EUROPE_WESTERN_EUROPE_155 = "Europe - Western Europe (155)"
    OCEANIA_AUSTRALIA_AND_NEW_ZEALAND_053 = "Oceania - Australia and New Zealand (053)"
    OCEANIA_MELANESIA_054 = "Oceania - Melanesia (054)"
    OCEANIA_MICRONESIA_057 = "Oceania - Micronesia (057)"
    OCEANIA_POLYNESIA_061 = "Oceania - Polynesia (061)"
    WORLD_001 = "World (001)"


class ScientificProcessInvolved(StrEnum):
    """PPSR Core 2020.0 ``scientificProcessInvolved`` vocabulary (docs/project/vocabulary.md), labels verbatim."""

    ANNOTATION = "Annotation"
    AUDIO_OR_VIDEO_RECORDING = "Audio or video recording"
    CLASSIFICATION_OR_TAGGING = "Classification or tagging"
    DIY_HACKING_MAKING = "DIY hacking/making"
    DATA_ANALYSIS = "Data analysis"
    DATA_ENTRY = "Data entry"
    DOWNLOAD_SOFTWARE_FOR_DISTRIBUTED_COMPUTING = "Download software for distributed computing"
    FINDING_ENTITIES = "Finding entities"
    GEOLOCATION = "Geolocation"
    IDENTIFICATION = "Identification"
    LEARNING = "Learning"
    MEASUREMENT = "Measurement"
    OBSERVATION = "Observation"
    PHOTOGRAPHY = "Photography"
    PROBLEM_SOLVING = "Problem solving"
    SAMPLE_ANALYSIS = "Sample analysis"
    SITE_SELECTION_AND_OR_DESCRIPTION = "Site selection and/or description"
    SPECIMEN_SAMPLE_COLLECTION = "Specimen/sample collection"
    TRANSCRIPTION = "Transcription"


class ProjectCountry(StrEnum):
    """PPSR Core 2020.0 ``projectCountry`` vocabulary (docs/project/vocabulary.md), labels verbatim."""

    AFGHANISTAN = "Afghanistan"
    ALAND_ISLANDS = "Åland Islands"
    ALBANIA = "Albania"
    ALGERIA = "Algeria"
    AMERICAN_SAMOA = "American Samoa"
    ANDORRA = "Andorra"
    ANGOLA = "Angola"
    ANGUILLA = "Anguilla"
    ANTARCTICA = "Antarctica"
    ANTIGUA_AND_BARBUDA = "Antigua and Barbuda"
    ARGENTINA = "Argentina"
    ARMENIA = "Armenia"
    ARUBA = "Aruba"
    AUSTRALIA = "Australia"
    AUSTRIA = "Austria"
    AZERBAIJAN = "Azerbaijan"
    BAHAMAS_THE = "Bahamas (the)"
    BAHRAIN = "Bahrain"
    BANGLADESH = "Bangladesh"
    BARBADOS = "Barbados"
    BELARUS = "Belarus"
    BELGIUM = "Belgium"
    BELIZE = "Belize"
    BENIN = "Benin"
    BERMUDA = "Bermuda"
    BHUTAN = "Bhutan"
    BOLIVIA_PLURINATIONAL_STATE_OF = "Bolivia (Plurinational State of)"
    BONAIRE_SINT_EUSTATIUS_AND_SABA = "Bonaire, Sint Eustatius and Saba"
    BOSNIA_AND_HERZEGOVINA = "Bosnia and Herzegovina"
    BOTSWANA = "Botswana"
    BOUVET_ISLAND = "Bouvet Island"
    BRAZIL = "Brazil"
    BRITISH_INDIAN_OCEAN_TERRITORY_THE = "British Indian Ocean Territory (the)"
    BRUNEI_DARUSSALAM = "Brunei Darussalam"
    BULGARIA = "Bulgaria"
    BURKINA_FASO = "Burkina Faso"
    BURUNDI = "Burundi"
    CABO_VERDE = "Cabo Verde"
    CAMBODIA = "Cambodia"
    CAMEROON = "Cameroon"
    CANADA = "Canada"
    CAYMAN_ISLANDS_THE = "Cayman Islands (the)"
    CENTRAL_AFRICAN_REPUBLIC_THE = "Central African Republic (the)"
    CHAD = "Chad"
    CHILE = "Chile"
    CHINA = "China"
    CHRISTMAS_ISLAND = "Christmas Island"
    COCOS_KEELING_ISLANDS_THE = "Cocos (Keeling) Islands (the)"
    COLOMBIA = "Colombia"
    COMOROS_THE = "Comoros (the)"
    CONGO_THE_DEMOCRATIC_REPUBLIC_OF_THE = "Congo (the Democratic Republic of the)"
    CONGO_THE = "Congo (the)"
    COOK_ISLANDS_THE = "Cook Islands (the)"
    COSTA_RICA = "Costa Rica"
    COTE_D_IVOIRE = "Côte d'Ivoire"
    CROATIA = "Croatia"
    CUBA = "Cuba"
    CURACAO = "Curaçao"
    CYPRUS = "Cyprus"
    CZECHIA = "Czechia"
    DENMARK = "Denmark"
    DJIBOUTI = "Djibouti"
    DOMINICA = "Dominica"
    DOMINICAN_REPUBLIC_THE = "Dominican Republic (the)"
    ECUADOR = "Ecuador"
    EGYPT = "Egypt"
    EL_SALVADOR = "El Salvador"
    EQUATORIAL_GUINEA = "Equatorial Guinea"
    ERITREA = "Eritrea"
    ESTONIA = "Estonia"
    ESWATINI = "Eswatini"
    ETHIOPIA = "Ethiopia"
    FALKLAND_ISLANDS_THE_MALVINAS = "Falkland Islands (the) [Malvinas]"
    FAROE_ISLANDS_THE = "Faroe Islands (the)"
    FIJI = "Fiji"
    FINLAND = "Finland"
    FRANCE = "France"
    FRENCH_GUIANA = "French Guiana"
    FRENCH_POLYNESIA = "French Polynesia"
    FRENCH_SOUTHERN_TERRITORIES_THE = "French Southern Territories (the)"
    GABON = "Gabon"
    GAMBIA_THE = "Gambia (the)"
    GEORGIA = "Georgia"
    GERMANY = "Germany"
    GHANA = "Ghana"
    GIBRALTAR = "Gibraltar"
    GREECE = "Greece"
    GREENLAND = "Greenland"
    GRENADA = "Grenada"
    GUADELOUPE = "Guadeloupe"
    GUAM = "Guam"
    GUATEMALA = "Guatemala"
    GUERNSEY = "Guernsey"
    GUINEA = "Guinea"
    GUINEA_BISSAU = "Guinea-Bissau"
    GUYANA = "Guyana"
    HAITI = "Haiti"
    HEARD_ISLAND_AND_MCDONALD_ISLANDS = "Heard Island and McDonald Islands"
    HOLY_SEE_THE = "Holy See (the)"
    HONDURAS = "Honduras"
    HONG_KONG = "Hong Kong"
    HUNGARY = "Hungary"
    ICELAND = "Iceland"
    INDIA = "India"
    INDONESIA = "Indonesia"
    IRAN_ISLAMIC_REPUBLIC_OF = "Iran (Islamic Republic of)"
    IRAQ = "Iraq"
    IRELAND = "Ireland"
    ISLE_OF_MAN = "Isle of Man"
    ISRAEL = "Israel"
    ITALY = "Italy"
    JAMAICA = "Jamaica"
    JAPAN = "Japan"
    JERSEY = "Jersey"
    JORDAN = "Jordan"
    KAZAKHSTAN = "Kazakhstan"
    KENYA = "Kenya"
    KIRIBATI = "Kiribati"
    KOREA_THE_DEMOCRATIC_PEOPLE_S_REPUBLIC_OF = "Korea (the Democratic People's Republic of)"
    KOREA_THE_REPUBLIC_OF = "Korea (the Republic of)"
    KUWAIT = "Kuwait"
    KYRGYZSTAN = "Kyrgyzstan"
    LAO_PEOPLE_S_DEMOCRATIC_REPUBLIC_THE = "Lao People's Democratic Republic (the)"
    LATVIA = "Latvia"
    LEBANON = "Lebanon"
    LESOTHO = "Lesotho"
    LIBERIA = "Liberia"
    LIBYA = "Libya"
    LIECHTENSTEIN = "Liechtenstein"
    LITHUANIA = "Lithuania"
    LUXEMBOURG = "Luxembourg"
    MACAO = "Macao"
    MADAGASCAR = "Madagascar"
    MALAWI = "Malawi"
    MALAYSIA = "Malaysia"
    MALDIVES = "Maldives"
    MALI = "Mali"
    MALTA = "Malta"
    MARSHALL_ISLANDS_THE = "Marshall Islands (the)"
    MARTINIQUE = "Martinique"
    MAURITANIA = "Mauritania"
    MAURITIUS = "Mauritius"
    MAYOTTE = "Mayotte"
    MEXICO = "Mexico"
    MICRONESIA_FEDERATED_STATES_OF = "Micronesia (Federated States of)"
    MOLDOVA_THE_REPUBLIC_OF = "Moldova (the Republic of)"
    MONACO = "Monaco"
    MONGOLIA = "Mongolia"
    MONTENEGRO = "Montenegro"
    MONTSERRAT = "Montserrat"
    MOROCCO = "Morocco"
    MOZAMBIQUE = "Mozambique"
    MYANMAR = "Myanmar"
    NAMIBIA = "Namibia"
    NAURU = "Nauru"
    NEPAL = "Nepal"
    NETHERLANDS_THE = "Netherlands (the)"
    NEW_CALEDONIA = "New Caledonia"
    NEW_ZEALAND = "New Zealand"
    NICARAGUA = "Nicaragua"
    NIGER_THE = "Niger (the)"
    NIGERIA = "Nigeria"
    NIUE = "Niue"
    NORFOLK_ISLAND = "Norfolk Island"
    NORTH_MACEDONIA = "North Macedonia"
    NORTHERN_MARIANA_ISLANDS_THE = "Northern Mariana Islands (the)"
    NORWAY = "Norway"
    OMAN = "Oman"
    PAKISTAN = "Pakistan"
    PALAU = "Palau"
    PALESTINE_STATE_OF = "Palestine, State of"
    PANAMA = "Panama"
    PAPUA_NEW_GUINEA = "Papua New Guinea"
    PARAGUAY = "Paraguay"
    PERU = "Peru"
    PHILIPPINES_THE = "Philippines (the)"
    PITCAIRN = "Pitcairn"
    POLAND = "Poland"
    PORTUGAL = "Portugal"
    PUERTO_RICO = "Puerto Rico"
    QATAR = "Qatar"
    REUNION = "Réunion"
    ROMANIA = "Romania"
    RUSSIAN_FEDERATION_THE = "Russian Federation (the)"
    RWANDA = "Rwanda"
    SAINT_BARTHELEMY = "Saint Barthélemy"
    SAINT_HELENA_ASCENSION_AND_TRISTAN_DA_CUNHA = "Saint Helena, Ascension and Tristan da Cunha"
    SAINT_KITTS_AND_NEVIS = "Saint Kitts and Nevis"
    SAINT_LUCIA = "Saint Lucia"
    SAINT_MARTIN_FRENCH_PART = "Saint Martin (French part)"
    SAINT_PIERRE_AND_MIQUELON = "Saint Pierre and Miquelon"
    SAINT_VINCENT_AND_THE_GRENADINES = "Saint Vincent and the Grenadines"
    SAMOA = "Samoa"
    SAN_MARINO = "San Marino"
    SAO_TOME_AND_PRINCIPE = "Sao Tome and Principe"
    SAUDI_ARABIA = "Saudi Arabia"
    SENEGAL = "Senegal"
    SERBIA = "Serbia"
    SEYCHELLES = "Seychelles"
    SIERRA_LEONE = "Sierra Leone"
    SINGAPORE = "Singapore"
    SINT_MAARTEN_DUTCH_PART = "Sint Maarten (Dutch part)"
    SLOVAKIA = "Slovakia"
    SLOVENIA = "Slovenia"
    SOLOMON_ISLANDS = "Solomon Islands"
    SOMALIA = "Somalia"
    SOUTH_AFRICA = "South Africa"
    SOUTH_GEORGIA_AND_THE_SOUTH_SANDWICH_ISLANDS = "South Georgia and the South Sandwich Islands"
    SOUTH_SUDAN = "South Sudan"
    SPAIN = "Spain"
    SRI_LANKA = "Sri Lanka"
    SUDAN_THE = "Sudan (the)"
    SURINAME = "Suriname"
    SVALBARD_AND_JAN_MAYEN = "Svalbard and Jan Mayen"
    SWEDEN = "Sweden"
    SWITZERLAND = "Switzerland"
    SYRIAN_ARAB_REPUBLIC_THE = "Syrian Arab Republic (the)"
    TAIWAN_PROVINCE_OF_CHINA = "Taiwan (Province of China)"
    TAJIKISTAN = "Tajikistan"
    TANZANIA_THE_UNITED_REPUBLIC_OF = "Tanzania, the United Republic of"
    THAILAND = "Thailand"
    TIMOR_LESTE = "Timor-Leste"
    TOGO = "Togo"
    TOKELAU = "Tokelau"
    TONGA = "Tonga"
    TRINIDAD_AND_TOBAGO = "Trinidad and Tobago"
    TUNISIA = "Tunisia"
    TURKEY = "Turkey"
    TURKMENISTAN = "Turkmenistan"
    TURKS_AND_CAICOS_ISLANDS_THE = "Turks and Caicos Islands (the)"
    TUVALU = "Tuvalu"
    UGANDA = "Uganda"
    UKRAINE = "Ukraine"
    UNITED_ARAB_EMIRATES_THE = "United Arab Emirates (the)"
    UNITED_KINGDOM_OF_GREAT_BRITAIN_AND_NORTHERN_IRELAND_THE = (
        "United Kingdom of Great Britain and Northern Ireland (the)"
    )
    UNITED_STATES_MINOR_OUTLYING_ISLANDS_THE = "United States Minor Outlying Islands (the)"
    UNITED_STATES_OF_AMERICA_THE = "United States of America (the)"
    URUGUAY = "Uruguay"
    UZBEKISTAN = "Uzbekistan"
    VANUATU = "Vanuatu"
    VENEZUELA_BOLIVARIAN_REPUBLIC_OF = "Venezuela (Bolivarian Republic of)"
    VIET_NAM = "Viet Nam"
    VIRGIN_ISLANDS_BRITISH = "Virgin Islands (British)"
    VIRGIN_ISLANDS_U_S = "Virgin Islands (U.S.)"
    WALLIS_AND_FUTUNA = "Wallis and Futuna"
    WESTERN_SAHARA = "Western Sahara*"
    YEMEN = "Yemen"
    ZAMBIA = "Zambia"
    ZIMBABWE = "Zimbabwe"


class MeansOfContact(StrEnum):
    """PPSR Core 2020.0 ``meansOfContact`` vocabulary (docs/project/vocabulary.md), labels verbatim."""

    EMAIL = "Email"
    PHONE = "Phone"
    WEBSITE = "Website"
    PHYSICAL_ADDRESS = "Physical address"


class ProjectParticipantAge(StrEnum):
    """PPSR Core 2020.0 ``projectParticipantAge`` vocabulary (docs/project/vocabulary.md), labels verbatim."""

    ELEMENTARY_SCHOOL_6_10 = "Elementary school (6-10)"
    MIDDLE_SCHOOL_11_13 = "Middle school (11-13)"
    YOUTH_TEEN_UP_TO_17 = "Youth/teen (up to 17)"
    FAMILIES = "Families"
    GENERAL_PUBLIC = "General public"
    TARGETED_GROUP = "Targeted group"


class ProjectUsFederalSponsor(StrEnum):
    """PPSR Core 2020.0 ``projectUsFederalSponsor`` vocabulary (docs/project/vocabulary.md), labels verbatim."""

    DEPARTMENT_OF_INTERIOR = "Department of Interior"
    DEPARTMENT_OF_COMMERCE = "Department of Commerce"
    DEPARTMENT_OF_HEALTH_AND_HUMAN_SERVICES = "Department of Health and Human Services"
    CENTRAL_INTELLIGENCE_AGENCY = "Central Intelligence Agency"
    DEPARTMENT_OF_DEFENSE = "Department of Defense"
    DEPARTMENT_OF_EDUCATION = "Department of Education"
    DEPARTMENT_OF_ENERGY = "Department of Energy"
    DEPARTMENT_OF_HOMELAND_SECURITY = "Department of Homeland Security"
    DEPARTMENT_OF_HOUSING_AND_URBAN_DEVELOPMENT = "Department of Housing and Urban Development"
    DEPARTMENT_OF_JUSTICE = "Department of Justice"
    DEPARTMENT_OF_STATE = "Department of State"
    DEPARTMENT_OF_TRANSPORTATION = "Department of Transportation"
    DEPARTMENT_OF_VETERANS_AFFAIRS = "Department of Veterans Affairs"
    DEPARTMENT_OF_LABOR = "Department of Labor"
    FEDERAL_COMMUNICATIONS_COMMISSION = "Federal Communications Commission"
    GENERAL_SERVICES_ADMINISTRATION = "General Services Administration"
    INTELLIGENCE_ADVANCED_RESEARCH_PROJECTS_AGENCY = "Intelligence Advanced Research Projects Agency"
    NATIONAL_AERONAUTICS_AND_SPACE_ADMINISTRATION = "National Aeronautics and Space Administration"
    NATIONAL_ARCHIVES_AND_RECORDS_ADMINISTRATION = "National Archives and Records Administration"
    NATIONAL_ENDOWMENT_FOR_THE_ARTS = "National Endowment for the Arts"
    NATIONAL_SCIENCE_FOUNDATION = "National Science Foundation"
    WHITE_HOUSE = "White House"
    OFFICE_OF_PERSONNEL_MANAGEMENT = "Office of Personnel Management"
    PEACE_CORPS = "Peace Corps"
    SMITHSONIAN_INSTITUTION = "Smithsonian Institution"
    ENVIRONMENTAL_PROTECTION_AGENCY = "Environmental Protection Agency"
    US_DEPARTMENT_OF_AGRICULTURE = "US Department of Agriculture"
    OTHER = "Other"


class ProjectAssociatedPartyRole(StrEnum):
    """PPSR Core 2020.0 ``projectAssociatedPartyRole`` vocabulary (docs/project/vocabulary.md), labels verbatim."""

    AGENT = "Agent"
    COLLABORATOR = "Collaborator"
    PARTNER = "Partner"
    SPONSOR_FUNDER = "Sponsor/funder"
    STAKEHOLDER = "Stakeholder"


class FundingSourceTypeSubsetA(StrEnum):
    """PPSR Core 2020.0 ``fundingSourceTypeSubsetA`` vocabulary (docs/project/vocabulary.md), labels verbatim."""

    PUBLIC_NATIONAL = "Public - national"
    PUBLIC_STATE = "Public - state"
    PUBLIC_LOCAL = "Public - local"
    PUBLIC_IN_KIND = "Public - in-kind"
    PRIVATE_IN_KIND = "Private - in-kind"
    PRIVATE_INDUSTRY_CORPORATE = "Private - industry/corporate"
    PRIVATE_PHILANTHROPIC = "Private - philanthropic"
    PRIVATE_BEQUEATH_OTHER = "Private - bequeath/other"
    PRIVATE_NGO = "Private - NGO"


class FundingSourceTypeSubsetB(StrEnum):
    """PPSR Core 2020.0 ``fundingSourceTypeSubsetB`` vocabulary (docs/project/vocabulary.md), labels verbatim."""

    NSF_GRANTS = "NSF Grants"
    DIRECT_FUNDING_FROM_A_FEDERAL_AGENCY = "Direct Funding from a Federal Agency"
    DIRECT_FUNDING_FROM_THE_FEDERAL_GOVERNMENT = "Direct Funding from the Federal Government"
    PRIVATE_PARTNERSHIPS = "Private Partnerships"
    MUSEUM_PARTNERSHIPS = "Museum Partnerships"
    UNIVERSITY_PARTNERSHIPS = "University Partnerships"
    GRANTS_FROM_FOUNDATIONS = "Grants from Foundations"
    GRANTS_FROM_NON_NSF_FEDERAL_AGENCIES = "Grants from non-NSF Federal Agencies"
    OTHER = "Other"


class ProjectMediaType(StrEnum):
    """PPSR Core 2020.0 ``projectMediaType`` vocabulary (docs/project/vocabulary.md), labels verbatim."""

    IMAGE_FILE = "Image file"
    IMAGE_URL = "Image URL"
    AUDIO_FILE = "Audio file"
    AUDIO_URL = "Audio URL"
    VIDEO_FILE = "Video file"
    VIDEO_URL = "Video URL"


class AccessRights(StrEnum):
    """PPSR Core 2020.0 ``dcterms:accessRights`` vocabulary (docs/dataset.md), labels verbatim."""

    OPEN_ACCESS = "Open access"
    EMBARGOED_ACCESS = "Embargoed access"
    RESTRICTED_ACCESS = "Restricted access"
    PENDING_PUBLIC_RELEASE = "Pending public release"
    METADATA_ONLY_ACCESS = "Metadata only access"


class DatasetLicense(StrEnum):
    """PPSR Core 2020.0 ``dcterms:license`` vocabulary (docs/dataset.md), labels verbatim."""

    CREATIVE_COMMONS_ZERO_CC_0 = "Creative Commons zero (CC 0)"
    CREATIVE_COMMONS_ATTRIBUTION_4_0_INTERNATIONAL_CC_BY_4_0 = (
        "Creative Commons Attribution (4.0) international (CC-BY 4.0)"
    )
    CREATIVE_COMMONS_ATTRIBUTION_NON_COMMERCIAL_CC_BY_NC = "Creative Commons Attribution Non-commercial (CC-BY-NC)"


class DatasetStatus(StrEnum):
    """PPSR Core 2020.0 ``datasetStatus`` vocabulary (docs/dataset.md), labels verbatim."""

    ACTIVE_UNPUBLISHED_UNVERIFIED = "Active - unpublished - unverified"
    ACTIVE_UNPUBLISHED_PARTIALLY_VERIFIED = "Active - unpublished - partially verified"
    ACTIVE_UNPUBLISHED_FULLY_VERIFIED = "Active - unpublished - fully verified"
    ACTIVE_PUBLISHED_UNVERIFIED = "Active - published - unverified"
    ACTIVE_PUBLISHED_PARTIALLY_VERIFIED = "Active - published - partially verified"
    ACTIVE_PUBLISHED_FULLY_VERIFIED = "Active - published - fully verified"
    COMPLETE_UNPUBLISHED_UNVERIFIED = "Complete - unpublished - unverified"
    COMPLETE_UNPUBLISHED_PARTIALLY_VERIFIED = "Complete - unpublished - partially verified"
    COMPLETE_UNPUBLISHED_FULLY_VERIFIED = "Complete - unpublished - fully verified"
    COMPLETE_PUBLISHED_UNVERIFIED = "Complete - published - unverified"
    COMPLETE_PUBLISHED_PARTIALLY_VERIFIED = "Complete - published - partially verified"
    COMPLETE_PUBLISHED_FULLY_VERIFIED = "Complete - published - fully verified"
    ARCHIVED_UNPUBLISHED_UNVERIFIED = "Archived - unpublished - unverified"
    ARCHIVED_UNPUBLISHED_PARTIALLY_VERIFIED = "Archived - unpublished - partially verified"
    ARCHIVED_UNPUBLISHED_FULLY_VERIFIED = "Archived - unpublished - fully verified"
    ARCHIVED_PUBLISHED_UNVERIFIED = "Archived - published - unverified"
    ARCHIVED_PUBLISHED_PARTIALLY_VERIFIED = "Archived - published - partially verified"
    ARCHIVED_PUBLISHED_FULLY_VERIFIED = "Archived - published - fully verified"


class MethodType(StrEnum):
    """PPSR Core 2020.0 ``methodType`` vocabulary (docs/dataset.md), labels verbatim."""

    OPPORTUNISTIC_AD_HOC_OBSERVATION = "Opportunistic/ad-hoc observation"
    SYSTEMATIC_METHOD_BASED_SURVEY = "Systematic method-based survey"


class SamplingProtocolMethodEcology(StrEnum):
    """PPSR Core 2020.0 ``samplingProtocolMethodEcology`` vocabulary (docs/dataset.md), labels verbatim."""

    AIR_QUALITY_FIXED_SENSOR = "Air quality - Fixed sensor"
    AIR_QUALITY_MOBILE_SENSOR = "Air quality - Mobile sensor"
    BAT_SURVEY_ECHOLOCATION_RECORDER = "Bat survey - Echolocation recorder"
    BAT_SURVEY_HARP_TRAPPING = "Bat survey - Harp trapping"
    BEACH_PROFILE_SURVEY_EMERY_METHOD = "Beach profile survey - Emery method"
    BEACH_PROFILE_SURVEY_OPTICAL_METHOD = "Beach profile survey - Optical method"
    BIRD_SURVEY_DISTANCE_SAMPLE_ALONG_TRANSECT = "Bird survey - Distance sample (along transect)"
    BIRD_SURVEY_FIXED_AREA = "Bird survey - Fixed-area"
    BIRD_SURVEY_FIXED_TIME = "Bird survey - Fixed-time"
    BIRD_SURVEY_FIXED_TIME_AND_FIXED_AREA = "Bird survey - Fixed-time & Fixed-area"
    BIRD_SURVEY_MIST_NETTING = "Bird survey - Mist netting"
    FAUNA_SURVEY_2_HA_TRACK_PLOT_METHOD = "Fauna survey - 2-Ha track plot method"
    FAUNA_SURVEY_ACTIVE_SEARCH = "Fauna survey - Active search"
    FAUNA_SURVEY_AERIAL_DISTANCE_SAMPLER_METHOD = "Fauna survey - Aerial distance sampler method"
    FAUNA_SURVEY_CAGE_TRAPPING = "Fauna survey - Cage trapping"
    FAUNA_SURVEY_CALL_PLAYBACK = "Fauna survey - Call playback"
    FAUNA_SURVEY_CAMERA_TRAPPING = "Fauna survey - Camera trapping"
    FAUNA_SURVEY_ELLIOT_TRAPPING = "Fauna survey - Elliot trapping"
    FAUNA_SURVEY_FUNNEL_TRAPPING = "Fauna survey - Funnel trapping"
    FAUNA_SURVEY_HAIR_TUBES = "Fauna survey - Hair tubes"
    FAUNA_SURVEY_NEST_BOX_MONITORING = "Fauna survey - Nest box monitoring"
    FAUNA_SURVEY_PITFALL_TRAPPING = "Fauna survey - Pitfall trapping"
    FAUNA_SURVEY_SCAT_SURVEY = "Fauna survey - Scat survey"
    FAUNA_SURVEY_SPOTLIGHT_SEARCH = "Fauna survey - Spotlight search"
    FAUNA_SURVEY_STRIP_TRANSECT_AERIAL_SURVEY = "Fauna survey - Strip transect aerial survey"
    FAUNA_SURVEY_TURTLE_TRAPPING = "Fauna survey - Turtle trapping"
    FISH_SURVEY_ELECTROFISHING = "Fish survey - Electrofishing"
    FISH_SURVEY_SET_NET_TRAP = "Fish survey - Set net/trap"
    FISH_SURVEY_SWEEP_NETTING = "Fish survey - Sweep netting"
    INSECT_SURVEY_BLACK_LIGHT = "Insect survey - Black light"
    INSECT_SURVEY_MALAISE_TRAP = "Insect survey - Malaise trap"
    INSECT_SURVEY_BAITED_TRAP = "Insect survey - Baited trap"
    INSECT_SURVEY_GLUE_TRAP = "Insect survey - Glue trap"
    INSECT_SURVEY_SWEEP_NETTING = "Insect survey - Sweep netting"
    RIPARIAN_CONDITION_ASSESSMENT_RAPID_APPRAISAL_OF_RIPARIAN_CONDITION_RARC = (
        "Riparian condition assessment - Rapid Appraisal of Riparian Condition (RARC)"
    )
    VEGETATION_CONDITION_ASSESSMENT = "Vegetation condition assessment"
    VEGETATION_SURVEY_GENERAL_TRANSECT_AND_PLOT = "Vegetation survey - General transect & plot"
    VEGETATION_SURVEY_INTENSIVE_INVENTORY = "Vegetation survey - Intensive inventory"
    VEGETATION_SURVEY_STEP_POINT_METHOD = "Vegetation survey - Step point method"
    WATER_QUALITY_STANDARDISED_PHYSICAL_CHEMICAL_ATTRIBUTE_MEASUREMENTS = (
        "Water quality - Standardised physical/chemical attribute measurements"
    )
    WATER_QUALITY_MACROINVERTEBRATE_SURVEY = "Water quality - Macroinvertebrate survey"


class DataAccessMethod(StrEnum):
    """PPSR Core 2020.0 ``dataAccessMethod`` vocabulary (docs/dataset.md), labels verbatim."""

    OPEN_ACCESS_STRUCTURED_RAW_DATA_DOWNLOAD_FROM_THIS_SYSTEM = (
        "Open access structured raw data download from this system"
    )
    OPEN_ACCESS_OPAQUE_RAW_DATA_FILE_ATTACHED_IN_THIS_SYSTEM = (
        "Open access opaque raw data file attached in this system"
    )
    LIMITED_STRUCTURED_RAW_DATA_ACCESS_IN_THIS_SYSTEM_VIA_REQUEST_SUBJECT_TO_EMBARGO = (
        "Limited structured raw data access in this system - via request (subject to embargo)"
    )
    OPAQUE_RAW_DATA_FILE_ATTACHED_IN_THIS_SYSTEM_VIA_REQUEST = (
        "Opaque raw data file attached in this system - via request"
    )
    OPEN_ACCESS_STRUCTURED_RAW_DATA_DOWNLOAD_FROM_EXTERNAL_SOURCE = (
        "Open access structured raw data download from external source"
    )
    CLOSED_ACCESS_STRUCTURED_RAW_DATA_DOWNLOAD_FROM_EXTERNAL_SOURCE = (
        "Closed access structured raw data download from external source"
    )
    APPLICATION_PROGRAMMING_INTERFACE_API = "Application Programming Interface (API)"
    RAW_DATA_NOT_AVAILABLE = "Raw data not available"
    ONLY_DERIVED_INTERPRETED_DATA_PRODUCTS_AVAILABLE = "Only derived/interpreted data products available"


class DatasetUpdateFrequency(StrEnum):
    """PPSR Core 2020.0 ``datasetUpdateFrequency`` vocabulary (docs/dataset.md), labels verbatim."""

    TRIENNIAL = "Triennial"
    BIENNIAL = "Biennial"
    ANNUAL = "Annual"
    SEMI_ANNUAL = "Semi-annual"
    THREE_TIMES_A_YEAR = "Three times a year"
    QUARTERLY = "Quarterly"
    BI_MONTHLY = "Bi-monthly"
    MONTHLY = "Monthly"
    SEMI_MONTHLY = "Semi-monthly"
    BI_WEEKLY = "Bi-weekly"
    THREE_TIMES_A_MONTH = "Three times a month"
    WEEKLY = "Weekly"
    SEMI_WEEKLY = "Semi-weekly"
    THREE_TIMES_A_WEEK = "Three times a week"
    DAILY = "Daily"
    CONTINUOUS = "Continuous"
    IRREGULAR = "Irregular"
    NO_FURTHER_UPDATES = "No further updates"


class DataQualityAssuranceMethod(StrEnum):
    """PPSR Core 2020.0 ``dataQualityAssuranceMethod`` vocabulary (docs/dataset.md), labels verbatim."""

    DATA_OWNER_CURATED = "Data owner curated"
    SUBJECT_MATTER_EXPERT_RECORD_VERIFICATION = "Subject matter expert record verification"
    CROWD_SOURCED_RECORD_VERIFICATION = "Crowd-sourced record verification"
    RECORD_ANNOTATION = "Record annotation"
    SYSTEM_SUPPORTED_DATA_ATTRIBUTE_CONFIGURATION = "System supported data attribute configuration"
    NO_DQ_METHODS_USED = "No DQ methods used"
    NOT_APPLICABLE = "Not applicable"


class AccuracyLevel(StrEnum):
    """PPSR Core 2020.0 ``spatialAccuracy`` vocabulary (docs/dataset.md), labels verbatim."""

    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"


# PPSR attribute name -> its vocabulary, for documentation and for the validator's hints.
VOCABULARIES: dict[str, type[StrEnum]] = {
    "hasTag": HasTag,
    "difficultyLevel": DifficultyLevel,
    "projectStatus": ProjectStatus,
    "projectScienceType": ProjectScienceType,
    "unRegions": UnRegion,
    "scientificProcessInvolved": ScientificProcessInvolved,
    "projectCountry": ProjectCountry,
    "meansOfContact": MeansOfContact,
    "projectParticipantAge": ProjectParticipantAge,
    "projectUsFederalSponsor": ProjectUsFederalSponsor,
    "projectAssociatedPartyRole": ProjectAssociatedPartyRole,
    "fundingSourceTypeSubsetA": FundingSourceTypeSubsetA,
    "fundingSourceTypeSubsetB": FundingSourceTypeSubsetB,
    "projectMediaType": ProjectMediaType,
    "datasetAssociatedMediaType": ProjectMediaType,
    "dcterms:accessRights": AccessRights,
    "datasetStatus": DatasetStatus,
    "methodType": MethodType,
    "samplingProtocolMethod": SamplingProtocolMethodEcology,
    "dataAccessMethod": DataAccessMethod,
    "datasetUpdateFrequency": DatasetUpdateFrequency,
    "dataQualityAssuranceMethod": DataQualityAssuranceMethod,
    "spatialAccuracy": AccuracyLevel,
    "temporalAccuracy": AccuracyLevel,
    "speciesIdentificationAccuracy": AccuracyLevel,
    "nonTaxonomicAccuracy": AccuracyLevel,
}

# PPSR names licences by label; RDF needs IRIs. PPSR gives no version for BY-NC: 4.0 is the hub's reading.
_LICENSE_IRIS: dict[DatasetLicense, str] = {
    DatasetLicense.CREATIVE_COMMONS_ZERO_CC_0: "https://creativecommons.org/publicdomain/zero/1.0/",
    DatasetLicense.CREATIVE_COMMONS_ATTRIBUTION_4_0_INTERNATIONAL_CC_BY_4_0: "https://creativecommons.org/licenses/by/4.0/",
    DatasetLicense.CREATIVE_COMMONS_ATTRIBUTION_NON_COMMERCIAL_CC_BY_NC: "https://creativecommons.org/licenses/by-nc/4.0/",
}


def license_iri(label: DatasetLicense) -> str:
    """The Creative Commons IRI of a PPSR ``dcterms:license`` label."""
    return _LICENSE_IRIS[label]
